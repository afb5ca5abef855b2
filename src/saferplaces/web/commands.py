"""Plain functions behind the `saferplaces` command line for the partnership workspace.

    serve(host, port, workspace)   migrate, then serve with waitress (or Django's runserver)
    load_demo(workspace)           demo partnerships and people; prints how to sign in
    createuser(email, ...)         a person (optionally a site administrator)
    refresh_indicators(workspace)  recompute warehouse-sourced indicator values now
    job_worker(workspace, processes)  background-job workers (django-q2) until stopped

Each sets up Django itself, so the CLI needs no knowledge of Django.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("saferplaces.web")


def setup(workspace: str | os.PathLike[str] | None = None) -> None:
    """Points Django at the workspace folder and configures it (once per process)."""
    if workspace is not None:
        os.environ["SAFERPLACES_HOME"] = str(Path(workspace).expanduser().resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferplaces.web.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _sync_loop(interval: float, stop: threading.Event) -> None:
    """Recomputes warehouse indicators whenever the warehouse file changes (each monthly load)."""
    from django.db import close_old_connections

    from saferplaces.web.performance.services import warehouse_sync

    while not stop.is_set():
        try:
            warehouse_sync()
        except Exception:  # keep serving pages even if the warehouse is half-written
            log.exception("Computing indicators from the warehouse failed")
        finally:
            close_old_connections()
        stop.wait(interval)


def _bound_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        # Several worker processes listen on one port; the kernel shares connections out.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _listening_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    sock = _bound_socket(host, port, reuse_port)
    sock.listen(1024)
    return sock


def _waitress(sock: socket.socket, threads: int) -> None:
    import waitress

    from saferplaces.web.wsgi import application

    waitress.serve(application, sockets=[sock], threads=threads, ident="saferplaces", _quiet=True)


def warm_up() -> None:
    """Readies a serving process before it takes its first request.

    Left to the first requests, this work (compiling templates, building the URL resolver,
    loading translations, the ORM's first queries) lands on whoever signs in first, several
    threads at once, each compiling the same templates. It reads and renders the first
    partnership's dashboard and work plan without a request (nothing is written).
    """
    from django.conf import settings
    from django.db import connections
    from django.template.loader import get_template, render_to_string
    from django.urls import reverse
    from django.utils import translation

    try:
        import saferplaces.web.wsgi  # noqa: F401 - the handler and its middleware
        from saferplaces.web.partnerships.models import Partnership
        from saferplaces.web.performance import selectors as perf_selectors
        from saferplaces.web.plans import selectors as plan_selectors
        from saferplaces.web.plans.models import Action

        with translation.override(settings.LANGUAGE_CODE):
            translation.gettext("Sign in")
            reverse("partnerships:list")  # builds the resolver for every URL, the API's too
            for d in settings.TEMPLATES[0]["DIRS"]:
                for path in sorted(Path(d).rglob("*.html")):
                    get_template(path.relative_to(d).as_posix())
            p = Partnership.objects.order_by("pk").first()
            if p is not None:
                render_to_string(
                    "partnerships/dashboard.html",
                    {"partnership": p, "d": perf_selectors.dashboard(p), "caps": {}},
                )
                render_to_string(
                    "plans/workplan.html",
                    {
                        "partnership": p,
                        "wp": plan_selectors.workplan(p),
                        "statuses": Action.Status.choices,
                        "caps": {},
                    },
                )
    except Exception:  # never stop the server from starting: it warms up on its first requests
        log.warning("Warming up the server process failed", exc_info=True)
    finally:
        # The serving threads open their own connections.
        connections.close_all()


def _ready_process() -> None:
    """Warms this serving process up, then sets aside what it has built for good.

    ``gc.freeze`` moves the objects made so far (modules, compiled templates, the URL
    resolver) out of the cyclic garbage collector's reach: its full collections, which stop
    every thread of the process, then scan what requests leave behind, not all of Django
    (on the benchmark workspace, a pause of about 25 ms rather than 130 ms).
    """
    import gc

    warm_up()
    gc.collect()
    gc.freeze()


def worker(host: str, port: int, threads: int, workspace: str, ready_fd: int | None = None) -> None:
    """One extra serving process (started by `serve`); the first process did the migrations.

    Listens once warmed up, then says so on ``ready_fd`` (the first process waits for that
    before it listens itself, so the first users are shared between warm processes).
    """
    setup(workspace)
    parent = os.getppid()

    def watch_parent() -> None:
        # If the first process goes away (killed outright), this one must not linger.
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    _ready_process()
    sock = _listening_socket(host, port, reuse_port=True)
    if ready_fd is not None:
        os.write(ready_fd, b"1")
        os.close(ready_fd)
    _waitress(sock, threads)


def job_worker(
    workspace: str | os.PathLike[str] | None = None,
    processes: int = 1,
    parent_pid: int | None = None,
) -> None:
    """Runs background jobs (saferplaces.web.jobs) in ``processes`` processes until stopped."""
    os.environ["SAFERPLACES_JOBS_PROCESSES"] = str(max(1, processes))
    setup(workspace)
    migrate()
    from saferplaces.web.jobs.engine import run_worker

    run_worker(processes, parent_pid=parent_pid)


def _start_job_worker(home: str) -> subprocess.Popen:
    """One background-job worker beside `serve` (its own process group, so it stops whole)."""
    code = (
        f"from saferplaces.web.commands import job_worker; job_worker({home!r}, 1, {os.getpid()})"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, "SAFERPLACES_HOME": home},
        start_new_session=True,
    )


def _stop_job_worker(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    # A job cut short here is delivered again by the next worker (its attempt is counted).
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_for_workers(ready_fd: int, count: int, timeout: float) -> None:
    """Until ``count`` workers have said they listen, or all have exited, or the timeout."""
    import select

    deadline = time.monotonic() + timeout
    got = 0
    while got < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([ready_fd], [], [], left)[0]:
            log.warning("Serving before every worker process is ready")
            return
        data = os.read(ready_fd, 64)
        if not data:  # every worker has exited (or closed its end)
            return
        got += len(data)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workspace: str | os.PathLike[str] | None = None,
    threads: int = 8,
    workers: int | None = None,
) -> None:
    """Runs the workspace web app until interrupted.

    Served by waitress: ``workers`` processes (default: one per CPU core, where the system can
    share a port between processes) of ``threads`` threads each. Python runs one thread at a
    time per process, so extra processes are what use extra cores. Each process warms up
    (templates compiled, the first partnership's pages built once) before it listens, and the
    first listens only once the others do, so the first people in share warm processes.
    """
    setup(workspace)
    migrate()
    from django.conf import settings

    try:
        import waitress
    except ImportError:
        waitress = None
    reuse = hasattr(socket, "SO_REUSEPORT")
    if workers is None:
        workers = (os.cpu_count() or 1) if reuse else 1
    workers = max(1, workers if reuse else 1)

    stop = threading.Event()
    threading.Thread(
        target=_sync_loop, args=(3600.0, stop), daemon=True, name="warehouse-sync"
    ).start()
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/partnerships/"
    db = settings.DATABASES["default"]
    print(f"Safer Places workspace: {url}", flush=True)
    print(f"Records: {db['NAME']} ({db['ENGINE'].rsplit('.', 1)[-1]})", flush=True)
    children: list[subprocess.Popen] = []
    # Background jobs: one worker beside the server, so the demo needs no other command.
    jobs = (
        None
        if settings.SAFERPLACES_JOBS_INLINE
        else _start_job_worker(str(settings.WORKSPACE.home))
    )
    if threading.current_thread() is threading.main_thread():
        # `kill` (SIGTERM) ends the server as Ctrl+C does, so the worker processes stop too.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if waitress is None:
            print("waitress is not installed: using Django's development server", file=sys.stderr)
            from django.core.management import call_command

            call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
            return
        # Bound now, so a port in use fails at once; listening only once every process is warm.
        sock = _bound_socket(host, port, reuse_port=workers > 1)
        home = str(settings.WORKSPACE.home)
        # Each extra process writes a byte here once it is warm and listening.
        ready_r, ready_w = os.pipe()
        try:
            for _ in range(workers - 1):
                code = (
                    "from saferplaces.web.commands import worker; "
                    f"worker({host!r}, {port}, {threads}, {home!r}, ready_fd={ready_w})"
                )
                children.append(
                    subprocess.Popen(
                        [sys.executable, "-c", code],
                        env={**os.environ, "SAFERPLACES_HOME": home},
                        pass_fds=(ready_w,),
                    )
                )
        finally:
            os.close(ready_w)
        try:
            _ready_process()  # while the others warm up too
            _wait_for_workers(ready_r, len(children), timeout=120.0)
        finally:
            os.close(ready_r)
        sock.listen(1024)
        _waitress(sock, threads)
    finally:
        stop.set()
        if jobs is not None:
            _stop_job_worker(jobs)
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def load_demo(
    workspace: str | os.PathLike[str] | None = None,
    password: str | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Creates the demo county agreement, district partnerships and people (idempotent)."""
    setup(workspace)
    migrate()
    from django.conf import settings

    from saferplaces.web import demo

    result = demo.load(password or demo.DEMO_PASSWORD, home=settings.WORKSPACE.home)
    if not quiet:
        print(
            "Demo partnerships "
            + ("created" if result["created"] else "already loaded")
            + f" ({result['partnerships']} partnerships)."
        )
        print(f"Sign in with any of these (password: {result['password']}):")
        for label, email in result["accounts"]:
            print(f"  {email:<62} {label}")
        print(f"Start at {result['start_page']}")
    return result


def createuser(
    email: str,
    password: str,
    *,
    full_name: str = "",
    job_title: str = "",
    organisation: str = "",
    superuser: bool = False,
    workspace: str | os.PathLike[str] | None = None,
) -> int:
    """Creates a person. A superuser can see and manage every partnership."""
    setup(workspace)
    migrate()
    from saferplaces.web.accounts import services

    org = services.organisation_get_or_create(organisation) if organisation else None
    user = services.user_create(
        email=email,
        password=password,
        full_name=full_name,
        job_title=job_title,
        organisation=org,
        is_superuser=superuser,
    )
    return user.pk


def refresh_indicators(workspace: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    setup(workspace)
    migrate()
    from saferplaces.web.performance.services import warehouse_sync

    sync = warehouse_sync(force=True)
    if sync is None:
        return {"warehouse": False, "indicators": 0, "values": 0}
    return {
        "warehouse": True,
        "indicators": sync.indicators,
        "values": sync.values,
        "message": sync.message,
    }


def wait_until_up(url: str, timeout: float = 30.0) -> bool:
    """For scripts and tests: polls until the server answers (bounded)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status < 500
        except Exception:
            time.sleep(0.2)
    return False
