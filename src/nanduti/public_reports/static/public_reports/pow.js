/* Proof of work for the public report form (see nanduti/public_reports/guard.py).
 * Finds a counter whose SHA-256 with the page's challenge starts with `data-pow-bits` zero
 * bits, then sends the form. Without JavaScript, or without Web Crypto (a page not served
 * over HTTPS), the form is sent as is and the server applies its stricter limit. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) { return; }
  var bits = parseInt(form.getAttribute("data-pow-bits"), 10) || 0;
  var status = form.querySelector(".pow-status");
  var encoder = new TextEncoder();
  var solving = false;

  function zeroBits(bytes) {
    var count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { count += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { count += 1; b <<= 1; }
      return count;
    }
    return count;
  }

  async function solve(challenge) {
    for (var counter = 0; ; counter++) {
      var digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + counter));
      if (zeroBits(new Uint8Array(digest)) >= bits) { return counter; }
    }
  }

  form.addEventListener("submit", function (event) {
    var counterField = form.elements.namedItem("pow_counter");
    if (counterField.value || solving) { return; }
    event.preventDefault();
    solving = true;
    status.hidden = false;
    status.textContent = form.getAttribute("data-pow-message") || "…";
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    solve(form.elements.namedItem("pow_challenge").value).then(function (counter) {
      counterField.value = String(counter);
      form.submit();
    });
  });
})();
