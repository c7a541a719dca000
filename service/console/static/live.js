// Today and the inbox keep themselves current: every 30 seconds the page is fetched
// again and each region marked data-live is replaced by its new version. The request
// says it is a refresh, so an unattended screen still signs out when idle; a page that
// ended up elsewhere (the sign-in page) is reloaded so the person sees it.
(function () {
  var PERIOD_MS = 30000;
  function refresh() {
    if (document.visibilityState !== "visible") {
      return;
    }
    fetch(window.location.href, {
      credentials: "same-origin",
      headers: { "X-Console-Refresh": "1" },
    }).then(function (response) {
      if (response.redirected || !response.ok) {
        window.location.reload();
        return null;
      }
      return response.text();
    }).then(function (html) {
      if (!html) {
        return;
      }
      var fresh = new DOMParser().parseFromString(html, "text/html");
      document.querySelectorAll("[data-live]").forEach(function (region) {
        var replacement = fresh.getElementById(region.id);
        // Keep the region a keyboard user is in: replacing it would lose their place.
        if (replacement && !region.contains(document.activeElement)) {
          region.innerHTML = replacement.innerHTML;
        }
      });
      var stamp = document.getElementById("refreshed-at");
      if (stamp) {
        stamp.textContent = new Date().toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
      }
    }).catch(function () {
      // The server is unreachable for a moment: try again at the next tick.
    });
  }
  window.setInterval(refresh, PERIOD_MS);
})();
