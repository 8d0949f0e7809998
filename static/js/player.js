/* Resume a video where this student stopped: save the position every ~10 s and on pause. */
(function () {
  "use strict";
  var video = document.querySelector("video[data-position-url]");
  if (!video) { return; }
  var url = video.getAttribute("data-position-url");
  var token = video.getAttribute("data-csrf");
  var start = parseFloat(video.getAttribute("data-start")) || 0;
  var lastSaved = start;
  var SAVE_EVERY = 10;

  function post(seconds) {
    lastSaved = seconds;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({seconds: seconds})
    }).catch(function () { /* offline: the next save will carry the position */ });
  }

  function saveNow() {
    var seconds = Math.round(video.currentTime * 10) / 10;
    if (isFinite(seconds) && Math.abs(seconds - lastSaved) >= 1) { post(seconds); }
  }

  function resume() {
    if (start > 0 && start < video.duration - 1 && video.currentTime < start - 1) {
      video.currentTime = start;
    }
  }

  if (video.readyState >= 1) { resume(); } else { video.addEventListener("loadedmetadata", resume); }
  video.addEventListener("timeupdate", function () {
    if (Math.abs(video.currentTime - lastSaved) >= SAVE_EVERY) { saveNow(); }
  });
  video.addEventListener("pause", saveNow);
  video.addEventListener("ended", function () { post(0); });
  window.addEventListener("pagehide", saveNow);
})();
