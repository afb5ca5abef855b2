// Starts GOV.UK Frontend's components. Kept in a file (not inline) so the content security
// policy can forbid inline scripts.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

// After htmx swaps in new markup, start any GOV.UK components inside it.
document.body.addEventListener("htmx:afterSwap", (event) => {
  initAll({ scope: event.target });
});
