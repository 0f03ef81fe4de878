// Durations, times and label sets in the notation Prometheus users read.

const UNITS: [string, number][] = [
  ["y", 365 * 24 * 3600_000],
  ["w", 7 * 24 * 3600_000],
  ["d", 24 * 3600_000],
  ["h", 3600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/** `1h30m` → 5400000 ms; null when the text is not a Prometheus duration. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === "" || !/^(\d+(y|w|d|h|ms|m|s))+$/.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(/(\d+)(y|w|d|h|ms|m|s)/g)) {
    const unit = UNITS.find(([u]) => u === m[2]);
    if (!unit) return null;
    total += Number(m[1]) * unit[1];
  }
  return total;
}

/** 5400000 → `1h30m` (largest units first, as Prometheus prints). */
export function formatDuration(ms: number): string {
  if (ms <= 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** UTC `YYYY-MM-DD HH:mm:ss`, the format of Prometheus's `end_input` URL parameter. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** Parses `formatTime`'s output (UTC), RFC 3339, or Unix seconds; null if none fits. */
export function parseTime(text: string): number | null {
  const s = text.trim();
  if (s === "") return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$/.exec(
    s,
  );
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}${m[7] ?? ""}${m[8] ?? "Z"}`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** `name{a="1", b="2"}` with the metric name first, as Prometheus's legend and table show. */
export function formatSeries(metric: Record<string, string>): string {
  const name = metric.__name__ ?? "";
  const rest = Object.entries(metric)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return rest.length === 0 && name !== "" ? name : `${name}{${rest.join(", ")}}`;
}

/** Seconds as `12.3ms` / `1.234s`, for scrape and evaluation durations. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  if (s < 1) return `${(s * 1000).toFixed(3)}ms`;
  return `${s.toFixed(3)}s`;
}

/** "12.3s ago" from an RFC 3339 timestamp; Go's zero time means never. */
export function ago(rfc3339: string): string {
  const t = Date.parse(rfc3339);
  if (Number.isNaN(t) || t <= 0 || rfc3339.startsWith("0001-")) return "never";
  const s = (Date.now() - t) / 1000;
  if (s < 0) return "just now";
  if (s < 120) return `${s.toFixed(1)}s ago`;
  return `${formatDuration(Math.round(s) * 1000)} ago`;
}
