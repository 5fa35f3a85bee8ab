// Progressive enhancement of the case form: add formset rows, filter districts by department.
// The form works without it (one blank row per section, all districts listed).
(function () {
  "use strict";
  document.querySelectorAll("button.add-row").forEach(function (button) {
    var prefix = button.dataset.prefix;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-template");
    var rows = document.getElementById(prefix + "-rows");
    if (!total || !template || !rows) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var legend = rows.lastElementChild && rows.lastElementChild.querySelector("legend");
      if (legend) { legend.textContent = legend.textContent.replace("+", String(index + 1)); }
      var first = rows.lastElementChild && rows.lastElementChild.querySelector("select, input");
      if (first) { first.focus(); }
      wireDistricts(rows.lastElementChild);
    });
  });

  // District codes are "<department>.<district>": keep only the chosen department's.
  function filterDistricts(department, district) {
    var dep = department.value;
    var specific = dep && dep !== "unknown" && dep !== "not_asked";
    Array.prototype.forEach.call(district.querySelectorAll("option"), function (option) {
      var code = option.value;
      var isDistrict = code.indexOf(".") > 0;
      var show = !specific || !isDistrict || code.indexOf(dep + ".") === 0;
      option.hidden = !show;
      option.disabled = !show;
    });
    var chosen = district.options[district.selectedIndex];
    if (chosen && chosen.disabled) { district.value = ""; }
  }

  function wireDistricts(scope) {
    (scope || document).querySelectorAll("select[data-department]").forEach(function (district) {
      var department = document.getElementById(district.dataset.department);
      if (!department) { return; }
      department.addEventListener("change", function () { filterDistricts(department, district); });
      filterDistricts(department, district);
    });
  }
  wireDistricts(document);
})();
