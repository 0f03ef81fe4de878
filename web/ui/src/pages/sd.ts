// /service-discovery: each target's discovered labels (before relabeling) beside its
// target labels (after), and the targets relabeling dropped.

import { api } from "../api";
import { badge, errorBox, h, labelBadges, replace } from "../dom";
import { groupBy, type TargetsDoc } from "./targets";

interface Row {
  pool: string;
  discovered: Record<string, string>;
  labels: Record<string, string> | null;
}

export async function render(main: HTMLElement): Promise<void> {
  const body = h("div", null, h("p", { class: "muted" }, "Loading…"));
  replace(main, h("h1", null, "Service Discovery"), body);
  try {
    const doc = (await api<TargetsDoc>("targets")).data;
    const rows: Row[] = [
      ...doc.activeTargets.map((t) => ({
        pool: t.scrapePool,
        discovered: t.discoveredLabels,
        labels: t.labels,
      })),
      ...doc.droppedTargets.map((t) => ({
        pool: t.scrapePool ?? t.discoveredLabels.job ?? "",
        discovered: t.discoveredLabels,
        labels: null,
      })),
    ];
    const pools = groupBy(rows, (r) => r.pool);
    const summary = h(
      "ul",
      { class: "pool-summary" },
      [...pools].map(([pool, rs]) => {
        const active = rs.filter((r) => r.labels !== null).length;
        const dropped = doc.droppedTargetCounts?.[pool] ?? rs.length - active;
        return h(
          "li",
          null,
          h("a", { href: `#sd-${pool}` }, pool),
          ` (${active} / ${active + dropped} active targets)`,
        );
      }),
    );
    replace(
      body,
      summary,
      [...pools].map(([pool, rs]) =>
        h(
          "details",
          { class: "pool", open: true, id: `sd-${pool}`, "data-pool": pool },
          h("summary", null, h("strong", null, pool)),
          h(
            "table",
            { class: "data" },
            h(
              "thead",
              null,
              h("tr", null, h("th", null, "Discovered labels"), h("th", null, "Target labels")),
            ),
            h(
              "tbody",
              null,
              rs.map((r) =>
                h(
                  "tr",
                  { class: r.labels ? "active" : "dropped" },
                  h("td", null, labelBadges(r.discovered)),
                  h("td", null, r.labels ? labelBadges(r.labels) : badge("Dropped", "muted")),
                ),
              ),
            ),
          ),
        ),
      ),
    );
    if (rows.length === 0) body.append(h("p", { class: "muted" }, "No targets discovered."));
  } catch (err) {
    replace(body, errorBox(err));
  }
}
