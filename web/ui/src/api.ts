// Fetches from the Prometheus API v1 of the server that served this page.
//
// Every page sits directly under the UI's root, so the API is `./api/v1/...` relative to
// the page: the UI keeps working when the server is mounted under a route prefix.

export class APIError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(`${errorType}: ${message}`);
  }
}

export const apiRoot: string = new URL(".", window.location.href).pathname.replace(/\/$/, "");

interface Envelope<T> {
  status: "success" | "error";
  data: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
  infos?: string[];
}

export interface Result<T> {
  data: T;
  warnings: string[];
}

/** GET (or POST a form to) `/api/v1/<path>`; API errors raise `APIError` with the server's text. */
export async function api<T>(
  path: string,
  params?: Record<string, string>,
  signal?: AbortSignal,
): Promise<Result<T>> {
  const url = `${apiRoot}/api/v1/${path}`;
  let resp: Response;
  try {
    resp = params
      ? await fetch(url, {
          method: "POST",
          body: new URLSearchParams(params),
          signal,
        })
      : await fetch(url, { signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new APIError("network", `cannot reach the server: ${String(err)}`);
  }
  const text = await resp.text();
  let body: Envelope<T>;
  try {
    body = JSON.parse(text) as Envelope<T>;
  } catch {
    throw new APIError("http", `${resp.status} ${resp.statusText}: ${text.slice(0, 200)}`);
  }
  if (body.status !== "success") {
    throw new APIError(body.errorType ?? "error", body.error ?? `HTTP ${resp.status}`);
  }
  return { data: body.data, warnings: [...(body.warnings ?? []), ...(body.infos ?? [])] };
}
