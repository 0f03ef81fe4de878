// /rules and /alerts, both from /api/v1/rules (as Prometheus's pages are): rule groups
// with each rule's health, last evaluation, duration and error; alerting rules with their
// active alerts' state, labels, annotations, active-since time and value.

import { api } from "../api";
import { badge, errorBox, h, labelBadges, replace } from "../dom";
import { ago, formatSeconds } from "../format";

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing" | "inactive";
  activeAt?: string;
  value: string;
}

export interface Rule {
  name: string;
  query: string;
  labels?: Record<string, string>;
  health: string;
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  type: "alerting" | "recording";
  duration?: number;
  keepFiringFor?: number;
  annotations?: Record<string, string>;
  alerts?: Alert[];
  state?: "pending" | "firing" | "inactive";
}

export interface RuleGroup {
  name: string;
  file: string;
  interval: number;
  limit?: number;
  evaluationTime: number;
  lastEvaluation: string;
  rules: Rule[];
}

const STATE_CLASS: Record<string, string> = { firing: "bad", pending: "warn", inactive: "ok" };
const HEALTH_CLASS: Record<string, string> = { ok: "ok", err: "bad", unknown: "muted" };

/** The rule as YAML-like text, the way Prometheus's rules page prints it. */
function ruleText(r: Rule): HTMLElement {
  const lines: (string | HTMLElement)[] = [
    h("span", { class: "key" }, r.type === "alerting" ? "alert: " : "record: "),
    h("strong", null, r.name),
    "\n",
    h("span", { class: "key" }, "expr: "),
    h("code", null, r.query),
  ];
  if (r.duration) lines.push("\n", h("span", { class: "key" }, "for: "), `${r.duration}s`);
  if (r.keepFiringFor)
    lines.push("\n", h("span", { class: "key" }, "keep_firing_for: "), `${r.keepFiringFor}s`);
  for (const [title, map] of [
    ["labels", r.labels],
    ["annotations", r.annotations],
  ] as const) {
    if (map && Object.keys(map).length) {
      lines.push("\n", h("span", { class: "key" }, `${title}:`));
      for (const [k, v] of Object.entries(map)) lines.push(`\n  ${k}: ${v}`);
    }
  }
  return h("pre", { class: "rule" }, lines);
}

export async function renderRules(main: HTMLElement): Promise<void> {
  const body = h("div", null, h("p", { class: "muted" }, "Loading…"));
  replace(main, h("h1", null, "Rules"), body);
  try {
    const { groups } = (await api<{ groups: RuleGroup[] }>("rules")).data;
    if (groups.length === 0) {
      replace(body, h("p", { class: "muted" }, "No rule groups configured."));
      return;
    }
    replace(
      body,
      groups.map((g) =>
        h(
          "section",
          { class: "rule-group", "data-group": g.name },
          h(
            "h2",
            null,
            g.name,
            h(
              "span",
              { class: "muted small" },
              ` ${g.file} · every ${g.interval}s · last evaluation ${ago(g.lastEvaluation)} · took ${formatSeconds(g.evaluationTime)}`,
            ),
          ),
          h(
            "table",
            { class: "data" },
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                ["Rule", "State", "Health", "Last evaluation", "Evaluation time", "Error"].map(
                  (c) => h("th", null, c),
                ),
              ),
            ),
            h(
              "tbody",
              null,
              g.rules.map((r) =>
                h(
                  "tr",
                  { class: "rule-row" },
                  h("td", null, ruleText(r)),
                  h(
                    "td",
                    null,
                    r.state ? badge(r.state.toUpperCase(), STATE_CLASS[r.state] ?? "muted") : "–",
                  ),
                  h("td", null, badge(r.health.toUpperCase(), HEALTH_CLASS[r.health] ?? "muted")),
                  h("td", { title: r.lastEvaluation }, ago(r.lastEvaluation)),
                  h("td", null, formatSeconds(r.evaluationTime)),
                  h("td", { class: "error-text" }, r.lastError ?? ""),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  } catch (err) {
    replace(body, errorBox(err));
  }
}

function alertTable(alerts: Alert[]): HTMLElement {
  return h(
    "table",
    { class: "data alerts" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["Labels", "State", "Active since", "Value", "Annotations"].map((c) => h("th", null, c)),
      ),
    ),
    h(
      "tbody",
      null,
      alerts.map((a) =>
        h(
          "tr",
          { class: `alert-row state-${a.state}` },
          h("td", null, labelBadges(a.labels)),
          h("td", null, badge(a.state.toUpperCase(), STATE_CLASS[a.state] ?? "muted")),
          h("td", { title: a.activeAt ?? "" }, a.activeAt ? ago(a.activeAt) : "–"),
          h("td", null, a.value),
          h(
            "td",
            null,
            Object.entries(a.annotations).map(([k, v]) =>
              h("div", null, h("strong", null, `${k}: `), v),
            ),
          ),
        ),
      ),
    ),
  );
}

export async function renderAlerts(main: HTMLElement): Promise<void> {
  const body = h("div", null, h("p", { class: "muted" }, "Loading…"));
  const show: Record<string, boolean> = { inactive: true, pending: true, firing: true };
  let groups: RuleGroup[] = [];

  const draw = (): void => {
    const counts: Record<string, number> = { inactive: 0, pending: 0, firing: 0 };
    const sections: HTMLElement[] = [];
    for (const g of groups) {
      const rules = g.rules.filter((r) => r.type === "alerting");
      for (const r of rules) counts[r.state ?? "inactive"] += 1;
      const shown = rules.filter((r) => show[r.state ?? "inactive"]);
      if (shown.length === 0) continue;
      sections.push(
        h(
          "section",
          { class: "rule-group" },
          h("h2", null, g.name, h("span", { class: "muted small" }, ` ${g.file}`)),
          shown.map((r) =>
            h(
              "details",
              {
                class: `alert-rule state-${r.state ?? "inactive"}`,
                "data-rule": r.name,
                open: (r.alerts ?? []).length > 0,
              },
              h(
                "summary",
                null,
                badge(
                  (r.state ?? "inactive").toUpperCase(),
                  STATE_CLASS[r.state ?? "inactive"] ?? "muted",
                ),
                " ",
                h("strong", null, r.name),
                ` (${(r.alerts ?? []).length} active)`,
              ),
              ruleText(r),
              (r.alerts ?? []).length ? alertTable(r.alerts ?? []) : null,
            ),
          ),
        ),
      );
    }
    replace(
      body,
      h(
        "div",
        { class: "toolbar" },
        (["inactive", "pending", "firing"] as const).map((s) =>
          h(
            "label",
            { class: "check" },
            h("input", {
              type: "checkbox",
              checked: show[s],
              "data-state": s,
              onchange: (e: Event) => {
                show[s] = (e.target as HTMLInputElement).checked;
                draw();
              },
            }),
            ` ${s[0].toUpperCase()}${s.slice(1)} (${counts[s]})`,
          ),
        ),
      ),
      sections.length ? sections : h("p", { class: "muted" }, "No alerting rules to show."),
    );
  };

  replace(main, h("h1", null, "Alerts"), body);
  try {
    groups = (await api<{ groups: RuleGroup[] }>("rules?type=alert")).data.groups;
    draw();
  } catch (err) {
    replace(body, errorBox(err));
  }
}
