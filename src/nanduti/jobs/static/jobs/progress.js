// The job page's progress: asks the server how far the job got, once a second, until it
// ends; then shows the result the server rendered. No page reload.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "1") return;
  var url = box.dataset.statusUrl;
  var live = document.getElementById("job-live");
  var shownStatus = null;

  function show(state) {
    var bar = document.getElementById("job-progress");
    var text = document.getElementById("job-progress-text");
    if (state.status !== shownStatus || state.finished) {
      live.innerHTML = state.html;  // rendered by our own server, escaped by its templates
      shownStatus = state.status;
      return;
    }
    if (bar) {
      if (state.total) {
        bar.max = state.total;
        bar.value = state.done;
      } else {
        bar.removeAttribute("value");
      }
    }
    if (text) text.textContent = state.progress_text;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (!state.finished) window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 3000);  // a restarting server: try again, more slowly
      });
  }
  shownStatus = (document.getElementById("job-status") || {}).className || null;
  shownStatus = shownStatus && shownStatus.replace(/.*status-/, "");
  window.setTimeout(poll, 500);
})();
