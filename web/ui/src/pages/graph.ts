// /graph: the expression browser. Panels come from and go back to the URL's
// `g<N>.*` parameters (see urlstate.ts), so a copied link reproduces the view.

import { h, replace } from "../dom";
import { Panel } from "../panel";
import { defaultPanel, parsePanels, serializePanels } from "../urlstate";

export function render(main: HTMLElement): void {
  const panels: Panel[] = [];
  const list = h("div", { class: "panels" });

  const sync = (): void => {
    const qs = serializePanels(panels.map((p) => p.opts));
    const url = `${window.location.pathname}?${qs}`;
    if (url !== window.location.pathname + window.location.search) {
      window.history.replaceState(null, "", url);
    }
  };

  const add = (opts = defaultPanel(), focus = false): Panel => {
    const panel: Panel = new Panel(opts, sync, () => {
      panels.splice(panels.indexOf(panel), 1);
      panel.destroy();
      sync();
    });
    panels.push(panel);
    list.append(panel.el);
    if (focus) panel.focus();
    return panel;
  };

  replace(
    main,
    list,
    h(
      "button",
      {
        class: "btn add-panel",
        onclick: () => {
          add(defaultPanel(), true);
          sync();
        },
      },
      "Add Panel",
    ),
  );
  const initial = parsePanels(window.location.search);
  if (initial.length === 0) add(defaultPanel(), true);
  for (const opts of initial) {
    const panel = add(opts);
    if (opts.expr.trim() !== "") void panel.execute();
  }
  if (initial.length > 0) panels[0].focus();
}
