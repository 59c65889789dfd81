"""Sphinx extension: two repairs to the scripts of each page, so that no page logs an error.

- Some extensions add their inline configuration once per reading pass, so a page can carry the
  same ``const`` declaration twice, which the browser rejects. Identical scripts are kept once.
- The saved-widget manager typesets labels through MathJax 2's ``MathJax.Hub.Queue``, which
  MathJax 3 lacks; a small ``Hub`` passes those requests on to MathJax 3's ``typesetPromise``.
"""

from __future__ import annotations

# MathJax 3 replaces window.MathJax when it starts, so the Hub is attached to every new value.
HUB_FOR_WIDGETS = """(() => {
  let current = window.MathJax;
  const hub = {Queue: (command) => current.typesetPromise && current.typesetPromise([command[2]])};
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: () => current,
    set: (value) => { current = value; if (value && !value.Hub) value.Hub = hub; },
  });
  window.MathJax = current;
})();"""


def repair_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, scripts = set(), []
    for script in context.get("script_files", []):
        # an inline script's file is None in one copy and "" in the other
        key = (getattr(script, "filename", script) or "", repr(getattr(script, "attributes", {})))
        if key in seen:
            continue
        seen.add(key)
        scripts.append(script)
        if getattr(script, "attributes", {}).get("body", "").startswith("window.MathJax = "):
            scripts.append(type(script)("", body=HUB_FOR_WIDGETS))  # right after the config
    context["script_files"] = scripts


def setup(app):
    app.connect("html-page-context", repair_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
