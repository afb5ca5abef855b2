// Pan and zoom for the maps: buttons (keyboard), double-click to zoom, drag to pan. No network.
(function () {
  "use strict";
  var states = {};
  function apply(id) {
    var s = states[id];
    s.img.style.transform = "translate(" + s.x + "px," + s.y + "px) scale(" + s.k + ")";
  }
  function zoom(id, factor, cx, cy) {
    var s = states[id];
    var k = Math.min(8, Math.max(1, s.k * factor));
    if (cx === undefined) { cx = s.view.clientWidth / 2; cy = s.view.clientHeight / 2; }
    s.x = cx - (cx - s.x) * (k / s.k);
    s.y = cy - (cy - s.y) * (k / s.k);
    s.k = k;
    if (k === 1) { s.x = 0; s.y = 0; }
    apply(id);
  }
  document.querySelectorAll(".viewport").forEach(function (view) {
    var img = view.querySelector("img");
    var id = view.id;
    states[id] = { view: view, img: img, k: 1, x: 0, y: 0 };
    var drag = null;
    view.addEventListener("pointerdown", function (e) {
      drag = { x: e.clientX, y: e.clientY };
      view.setPointerCapture(e.pointerId);
    });
    view.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var s = states[id];
      s.x += e.clientX - drag.x; s.y += e.clientY - drag.y;
      drag = { x: e.clientX, y: e.clientY };
      apply(id);
    });
    view.addEventListener("pointerup", function () { drag = null; });
    view.addEventListener("dblclick", function (e) {
      var r = view.getBoundingClientRect();
      zoom(id, 2, e.clientX - r.left, e.clientY - r.top);
    });
    img.addEventListener("dragstart", function (e) { e.preventDefault(); });
  });
  document.querySelectorAll(".zoom-controls button").forEach(function (b) {
    b.addEventListener("click", function () {
      var id = b.parentNode.getAttribute("data-for");
      var what = b.getAttribute("data-zoom");
      if (what === "in") { zoom(id, 1.5); }
      else if (what === "out") { zoom(id, 1 / 1.5); }
      else { states[id].k = 1; states[id].x = 0; states[id].y = 0; apply(id); }
    });
  });
})();
