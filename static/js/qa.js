// Ask page: while the student types a title, list similar answered questions.
// The page works without this script (the preview step shows the same list).
(function () {
  "use strict";
  var input = document.querySelector("[data-similar-url]");
  var box = document.getElementById("similar-live");
  if (!input || !box || !window.fetch) { return; }
  var list = box.querySelector("ul");
  var timer = null;
  var lastTitle = "";

  function show(results) {
    list.textContent = "";
    results.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      li.appendChild(link);
      list.appendChild(li);
    });
    box.hidden = results.length === 0;
  }

  function lookUp() {
    var title = input.value.trim();
    if (title === lastTitle) { return; }
    lastTitle = title;
    if (title.length < 2) { show([]); return; }
    var url = input.getAttribute("data-similar-url") + "?title=" + encodeURIComponent(title);
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { if (input.value.trim() === title) { show(data.results || []); } })
      .catch(function () { show([]); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 300);
  });
})();
