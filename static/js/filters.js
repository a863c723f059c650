/* Live filters for the initiative list.
 *
 * Without this script the form is an ordinary GET form and every choice is a page load.
 * With it, a change fetches the same URL, swaps the form and the results in place, keeps the
 * focus on the control the visitor was using and puts the new state in the address bar, so
 * the URL stays shareable and Back works.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-live-filters]");
  if (!form || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var BELOW = {
    province: ["municipality", "district", "neighbourhood"],
    municipality: ["district", "neighbourhood"],
    district: ["neighbourhood"]
  };
  var pending = null;

  function urlOf(currentForm) {
    var params = new URLSearchParams();
    new FormData(currentForm).forEach(function (value, key) {
      var control = currentForm.elements[key];
      var fallback = control && control.getAttribute ? control.getAttribute("data-default") : null;
      if (value !== "" && value !== fallback) {
        params.append(key, value);
      }
    });
    var query = params.toString();
    return currentForm.getAttribute("action") + (query ? "?" + query : "");
  }

  function restoreFocus(id, caret) {
    var element = id && document.getElementById(id);
    if (!element) {
      return;
    }
    element.focus();
    if (caret !== null && typeof element.setSelectionRange === "function") {
      element.setSelectionRange(caret, caret);
    }
  }

  function swap(html, focusResults) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var newForm = page.querySelector("form[data-live-filters]");
    var newResults = page.getElementById("results");
    var results = document.getElementById("results");
    if (!newForm || !newResults || !results) {
      return false;
    }
    var active = document.activeElement;
    var activeId = active && form.contains(active) ? active.id : null;
    var caret = active && typeof active.selectionStart === "number" ? active.selectionStart : null;
    form.innerHTML = newForm.innerHTML;
    results.innerHTML = newResults.innerHTML;
    document.title = page.title;
    if (focusResults) {
      var count = document.getElementById("result-count");
      count.setAttribute("tabindex", "-1");
      count.focus();
    } else {
      restoreFocus(activeId, caret);
    }
    return true;
  }

  // The header's language links send the visitor back to the page they came from (`next`):
  // after an update in place that is the new address, not the one the page was loaded with.
  function languageLinksFollow() {
    var here = window.location.pathname + window.location.search;
    document.querySelectorAll(".language-switch a[href]").forEach(function (link) {
      var target = new URL(link.href, window.location.href);
      target.searchParams.set("next", here);
      link.href = target.pathname + target.search;
    });
  }

  function load(url, options) {
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    var results = document.getElementById("results");
    results.setAttribute("aria-busy", "true");
    return fetch(url, { signal: pending.signal, headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (!swap(html, options.focusResults)) {
          throw new Error("unexpected page");
        }
        if (options.push) {
          history.pushState({ filters: true }, "", url);
        }
        languageLinksFollow();
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          window.location.href = url; // The page works without us: let the browser load it.
        }
      })
      .finally(function () {
        results.removeAttribute("aria-busy");
      });
  }

  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (!name || name === "q") {
      return; // The search box waits for Enter or the button.
    }
    (BELOW[name] || []).forEach(function (child) {
      var select = form.elements[child];
      if (select) {
        select.value = "";
      }
    });
    load(urlOf(form), { push: true, focusResults: false });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(urlOf(form), { push: true, focusResults: false });
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#results .pagination a, #results .active-filters a");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    load(link.href, { push: true, focusResults: true });
  });

  window.addEventListener("popstate", function () {
    load(window.location.href, { push: false, focusResults: false });
  });
})();
