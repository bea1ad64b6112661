// hyoka's only script: the drop zone, the upload progress bar, the CSRF
// header on htmx requests and the language switch's way back. Event
// delegation on document only, so nothing is lost when htmx swaps a part.
"use strict";
(function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrf();
  });
  // A refused request (403, 409, 422) answers a whole page: show it in
  // place of the page's content, not of the part that asked.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var status = e.detail.xhr ? e.detail.xhr.status : 200;
    var main = document.getElementById("main");
    if (status >= 400 && main) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
      e.detail.target = main;
      e.detail.selectOverride = "#main";
      e.detail.swapOverride = "outerHTML";
    }
  });
  document.addEventListener("htmx:xhr:progress", function (e) {
    var p = document.getElementById("progress");
    if (p && e.detail.lengthComputable) {
      p.classList.remove("hidden");
      p.value = Math.round((e.detail.loaded / e.detail.total) * 100);
    }
  });
  function showChosen(input) {
    var out = document.getElementById("chosen");
    if (out && input.files && input.files.length > 0) {
      var f = input.files[0];
      out.textContent = f.name + " (" + Math.ceil(f.size / 1024) + " KiB)";
    }
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "file") { showChosen(e.target); }
  });
  document.addEventListener("dragover", function (e) {
    var zone = e.target && e.target.closest ? e.target.closest("#dropzone") : null;
    if (zone) { e.preventDefault(); zone.classList.add("over"); }
  });
  document.addEventListener("dragleave", function (e) {
    var zone = e.target && e.target.closest ? e.target.closest("#dropzone") : null;
    if (zone) { zone.classList.remove("over"); }
  });
  document.addEventListener("drop", function (e) {
    var zone = e.target && e.target.closest ? e.target.closest("#dropzone") : null;
    if (!zone) { return; }
    e.preventDefault();
    zone.classList.remove("over");
    var input = document.getElementById("file");
    if (input && e.dataTransfer && e.dataTransfer.files.length > 0) {
      input.files = e.dataTransfer.files;
      showChosen(input);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var backs = document.querySelectorAll("input.js-back");
    for (var i = 0; i < backs.length; i++) {
      backs[i].value = window.location.pathname + window.location.search;
    }
  });
})();

// Printing opens every folded part (<details>), and closes again after.
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var all = document.querySelectorAll("details:not([open])");
    for (var i = 0; i < all.length; i++) {
      all[i].open = true;
      opened.push(all[i]);
    }
  });
  window.addEventListener("afterprint", function () {
    while (opened.length) {
      opened.pop().open = false;
    }
  });
})();
