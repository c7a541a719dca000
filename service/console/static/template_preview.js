// The live preview of a text being edited: as the admin types, the console renders the
// draft exactly as "Preview" would (same server-side preview, the session and its form
// token), and shows the text with its characters, encoding and segments. Without this
// script the "Preview" button does the same with a page load.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  if (!form) { return; }
  var url = form.getAttribute("data-live-preview");
  var body = form.querySelector("#body");
  var procedure = form.querySelector("#procedure_id");
  var token = form.querySelector("input[name=csrf_token]");
  var text = document.getElementById("preview-text");
  var counts = document.getElementById("preview-counts");
  var problem = document.getElementById("preview-problem");
  var timer = null;
  var latest = 0;

  function show(answer) {
    text.textContent = answer.text;
    text.hidden = false;
    counts.textContent = answer.counts;
    problem.textContent = "";
    problem.hidden = true;
  }

  function refuse(message) {
    text.hidden = true;
    counts.textContent = "";
    problem.textContent = message;
    problem.hidden = false;
  }

  function update() {
    var asked = ++latest;
    var data = new URLSearchParams();
    data.set("csrf_token", token.value);
    data.set("body", body.value);
    data.set("procedure_id", procedure ? procedure.value : "");
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      redirect: "manual"
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 403) {
        throw new Error("Your session has ended: sign in again in another tab, then press Preview.");
      }
      return response.json().then(function (answer) {
        return { ok: response.ok, answer: answer };
      });
    }).then(function (result) {
      if (asked !== latest) { return; }  // an older answer arriving late
      if (result.ok) {
        show(result.answer);
      } else {
        refuse(result.answer.errors.map(function (e) { return e.message; }).join(" "));
      }
    }).catch(function (error) {
      if (asked !== latest) { return; }
      refuse(error && error.message ? error.message : "The preview is unavailable; press Preview.");
    });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 250);
  }

  body.addEventListener("input", soon);
  if (procedure) { procedure.addEventListener("input", soon); }
})();
