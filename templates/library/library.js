// The library page, made nicer when JavaScript runs: filters apply in place (the static
// filter pages remain the fallback), and search runs against the Pagefind index.
(function () {
  "use strict";
  var body = document.body;
  var root = new URL(body.dataset.root || "./", location.href);

  // -- filters, on the page that lists every briefing -------------------------------------------
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var heading = document.getElementById("listing-title");
  var allHeading = heading ? heading.innerHTML : "";

  function applyFilter(filter, label) {
    var parts = filter ? filter.split("/") : [];
    var shown = 0;
    cards.forEach(function (card) {
      var match = !filter || card.dataset[parts[0]] === parts[1];
      card.hidden = !match;
      if (match) shown += 1;
    });
    document.querySelectorAll(".filters a").forEach(function (link) {
      if (link.dataset.filter === filter) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    if (heading) {
      if (filter) {
        heading.textContent = label + " ";
        var count = document.createElement("span");
        count.className = "count";
        count.textContent = "(" + shown + ")";
        heading.appendChild(count);
      } else {
        heading.innerHTML = allHeading;
      }
    }
  }

  if (body.dataset.filter === "") {
    document.querySelectorAll(".filters a[data-filter]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        var label = link.firstChild ? link.firstChild.textContent.trim() : "";
        applyFilter(link.dataset.filter, label);
        history.pushState({ filter: link.dataset.filter, label: label }, "", link.href);
      });
    });
    window.addEventListener("popstate", function (event) {
      var state = event.state || { filter: "", label: "" };
      applyFilter(state.filter, state.label);
    });
  }

  // -- search -------------------------------------------------------------------------------------
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-input");
  var results = document.getElementById("search-results");
  var pagefind = null;

  function load() {
    if (!pagefind) {
      // The index is in parts (press/search.py): pagefind/, and the folders the page lists, merged into it.
      var parts = (document.body.dataset.searchParts || "").split(" ").filter(Boolean);
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
        return module.options({ baseUrl: root.pathname }).then(function () {
          return Promise.all(parts.map(function (part) {
            return module.mergeIndex(new URL(part, root).href, { baseUrl: root.pathname });
          }));
        }).then(function () { return module; });
      });
    }
    return pagefind;
  }

  // Every word must be found. Pagefind ignores a word its index does not hold, and with the index
  // in parts, each part ignores the words it lacks: a page is kept only when each word alone finds
  // it too, whatever the parts. A quoted phrase is searched as it is.
  function searchAll(module, query) {
    var words = query.split(/\s+/).filter(Boolean);
    var whole = module.search(query);
    if (words.length < 2 || query.indexOf('"') >= 0) return whole;
    return Promise.all([whole].concat(words.map(function (word) { return module.search(word); })))
      .then(function (found) {
        var each = found.slice(1).map(function (search) {
          return new Set(search.results.map(function (r) { return r.id; }));
        });
        var kept = found[0].results.filter(function (r) {
          return each.every(function (ids) { return ids.has(r.id); });
        });
        return { results: kept };
      });
  }

  function show(query) {
    results.textContent = "Searching…";
    return load().then(function (module) {
      return searchAll(module, query);
    }).then(function (search) {
      return Promise.all(search.results.slice(0, 20).map(function (r) { return r.data(); }));
    }).then(function (found) {
      results.textContent = "";
      var summary = document.createElement("p");
      summary.textContent = found.length ? found.length + " briefing(s) found for “" + query + "”"
                                         : "No briefing holds “" + query + "”.";
      results.appendChild(summary);
      if (!found.length) return;
      var list = document.createElement("ol");
      list.className = "search-results";
      found.forEach(function (hit) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = hit.url;
        link.textContent = (hit.meta && hit.meta.title) || hit.url;
        var excerpt = document.createElement("p");
        excerpt.innerHTML = hit.excerpt;  // Pagefind's excerpt: the page's own text, escaped, with <mark>
        item.appendChild(link);
        item.appendChild(excerpt);
        list.appendChild(item);
      });
      results.appendChild(list);
    }).catch(function () {
      results.textContent = "Search is not available here (the page must be served over HTTP).";
    });
  }

  if (form && input && results) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = input.value.trim();
      if (!query) return;
      history.replaceState(history.state, "", "?q=" + encodeURIComponent(query));
      show(query);
    });
    var initial = new URLSearchParams(location.search).get("q");
    if (initial) {
      input.value = initial;
      show(initial);
    }
  }
})();
