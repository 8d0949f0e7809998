/* Drag-and-drop reordering of a collection's resources: an enhancement of the up/down buttons. */
(function () {
  "use strict";
  var list = document.querySelector(".item-list[data-order-url]");
  if (!list || !("draggable" in list)) { return; }
  var dragged = null;
  var hint = document.querySelector(".js-only");
  if (hint) { hint.hidden = false; }

  function order() {
    return Array.prototype.map.call(list.querySelectorAll(".item-row"), function (row) {
      return parseInt(row.getAttribute("data-resource-id"), 10);
    });
  }

  function save() {
    fetch(list.getAttribute("data-order-url"), {
      method: "PATCH",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": list.getAttribute("data-csrf")
      },
      body: JSON.stringify({resource_ids: order()})
    }).then(function () { window.location.reload(); });
  }

  Array.prototype.forEach.call(list.querySelectorAll(".item-row"), function (row) {
    row.draggable = true;
    row.addEventListener("dragstart", function (event) {
      dragged = row;
      row.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.getAttribute("data-resource-id"));
    });
    row.addEventListener("dragend", function () { row.classList.remove("dragging"); });
    row.addEventListener("dragover", function (event) {
      if (!dragged || dragged === row) { return; }
      event.preventDefault();
      var box = row.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? row.nextSibling : row);
    });
    row.addEventListener("drop", function (event) {
      event.preventDefault();
      dragged = null;
      save();
    });
  });
})();
