// Small enhancements only: every page works without this file.
// An error summary takes focus when the page loads, so screen readers announce it
// and keyboard users start from the list of problems (GOV.UK's pattern).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector('[data-module="error-summary"]');
  if (summary) {
    summary.focus();
  }
});
