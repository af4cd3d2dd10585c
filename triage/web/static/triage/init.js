// Start GOV.UK Frontend's components (an ES module: browsers too old for modules skip it, and the
// pages work without it).
import { initAll } from '/static/govuk-frontend/govuk-frontend.min.js';
initAll();
