// A client of the LinkedIn invitations API in TypeScript: the types come from
// openapi.yaml (openapi-typescript writes them to schema.d.ts), the requests
// go through openapi-fetch, so a path, a parameter or a body the contract
// does not have is a compile-time error.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./schema.d.ts";

export type Invitation = components["schemas"]["InvitationV2"];
export type InvitationPage = components["schemas"]["InvitationV2Collection"];
export type ListQuery = NonNullable<paths["/linkedIn/invitations"]["get"]["parameters"]["query"]>;
export type InvitationsClient = Client<paths>;
export type CloseAction = components["schemas"]["InviteeClosingInvitation"]["action"];
export type CloseResult = components["schemas"]["InviteActionResult"];
export type Subscription = components["schemas"]["Subscription"];
export type ChangeNotificationCollection = components["schemas"]["ChangeNotificationCollection"];

/**
 * A client of the API at baseUrl (the server's URL and the base path,
 * "http://127.0.0.1:8080/v1.0"), sending the access token, if any, with
 * every request.
 */
export function invitationsClient(baseUrl: string, token?: string): InvitationsClient {
  return createClient<paths>({ baseUrl, headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

/** A Graph error response, as an Error: its status, code and request id. */
export class GraphError extends Error {
  readonly status: number;
  readonly code: components["schemas"]["ErrorCode"];
  readonly requestId: string;

  constructor(status: number, body: components["schemas"]["ODataError"]) {
    super(`${status} ${body.error.code}: ${body.error.message}`);
    this.name = "GraphError";
    this.status = status;
    this.code = body.error.code;
    this.requestId = body.error.innerError["request-id"];
  }
}

/**
 * The pages of a list, first to last. It follows each page's
 * @odata.nextLink, sending the link's query (opaque: a skip token and the
 * list's options) exactly as given.
 */
export async function* pages(client: InvitationsClient, query: ListQuery = {}): AsyncGenerator<InvitationPage> {
  let res = await client.GET("/linkedIn/invitations", { params: { query } });
  for (;;) {
    if (res.error) {
      throw new GraphError(res.response.status, res.error);
    }
    yield res.data;
    const next = res.data["@odata.nextLink"];
    if (next === undefined) {
      return;
    }
    const url = new URL(next);
    res = await client.GET("/linkedIn/invitations", { querySerializer: () => url.search.slice(1) });
  }
}

/**
 * Accepts or ignores invitations as their invitee (Graph's
 * inviteeClosingInvitation action): one result per id, in the order given,
 * each "succeeded" or "failed" with its own error. A refusal of the whole
 * request (no permission, a bad request) is thrown as a GraphError.
 */
export async function closeInvitations(
  client: InvitationsClient,
  action: CloseAction,
  invitationIds: string[],
): Promise<CloseResult[]> {
  const { data, error, response } = await client.POST("/linkedIn/invitations/inviteeClosingInvitation", {
    body: { action, invitationIds },
  });
  if (error) {
    throw new GraphError(response.status, error);
  }
  return data.value;
}

/** The most a notification POST's body may hold: far more than the service sends. */
const maxNotificationBytes = 1 << 20;

/**
 * A node:http request listener for a subscription's notificationUrl. It
 * answers the validation handshake (200, text/plain, the token), refuses a
 * POST whose notifications do not all carry clientState (403: the service
 * sends them again, so a mistake of the receiver's loses nothing), and hands
 * the rest to onNotifications, acknowledging them (202) once it resolves; if
 * it rejects, the answer is a 500 and the service sends them again. Delivery
 * is at least once: drop a notification whose id you have seen.
 */
export function notificationListener(
  clientState: string | undefined,
  onNotifications: (body: ChangeNotificationCollection) => Promise<void>,
): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const token = url.searchParams.get("validationToken");
    if (req.method !== "POST") {
      res.writeHead(405, { Allow: "POST" }).end();
    } else if (token !== null) {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" }).end(token);
    } else {
      void receive(req, res, clientState, onNotifications);
    }
  };
}

/** Answers a POST of notifications. */
async function receive(
  req: IncomingMessage,
  res: ServerResponse,
  clientState: string | undefined,
  onNotifications: (body: ChangeNotificationCollection) => Promise<void>,
): Promise<void> {
  let body: ChangeNotificationCollection;
  try {
    body = JSON.parse(await readBody(req)) as ChangeNotificationCollection;
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (!Array.isArray(body.value) || body.value.some((n) => n.clientState !== clientState)) {
    res.writeHead(403).end();
    return;
  }
  try {
    await onNotifications(body);
  } catch {
    res.writeHead(500).end();
    return;
  }
  res.writeHead(202).end();
}

/** The request's body, as text; it rejects past maxNotificationBytes. */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxNotificationBytes) {
      throw new Error("the body is too large");
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
