/* The monthly report: a live hint when a quantity is above its plausible maximum (R11).
 *
 * The server says the same after saving (the figure is saved and waits for LSA staff); this
 * only tells it while typing, so a slip of an extra zero is caught before saving. Without the
 * script nothing is lost: the help text names the maximum.
 */
(function () {
  "use strict";

  function check(input) {
    var hint = document.getElementById(input.id + "_plausible");
    if (!hint) {
      return;
    }
    var value = parseFloat(String(input.value).replace(",", "."));
    var maximum = parseFloat(input.getAttribute("data-plausibility-max"));
    hint.hidden = !(value > maximum);
  }

  var inputs = document.querySelectorAll("input[data-plausibility-max]");
  Array.prototype.forEach.call(inputs, function (input) {
    input.addEventListener("input", function () {
      check(input);
    });
    check(input);
  });
})();
