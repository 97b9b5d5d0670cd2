// Drives the real server (cmd/invitationsd, built from this checkout) with
// the TypeScript client: create, get, list across pages, update, delete,
// Graph's errors, and a change notification to a receiver of its own. The
// server runs with -validate-responses, and any response it logs as
// breaking openapi.yaml fails the test.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";

import {
  type ChangeNotificationCollection,
  closeInvitations,
  GraphError,
  type Invitation,
  type InvitationsClient,
  invitationsClient,
  notificationListener,
  pages,
} from "./invitations.ts";

const repo = resolve(import.meta.dirname, "../..");
const tenant = "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5";
const alice = "urn:li:person:A1iceX9";
const bob = "urn:li:person:B0bY7z";

let dir: string;
let bin: string;
let server: ChildProcess;
let exited: Promise<number | null>;
/** The server's JSON log lines. */
type LogRecord = { msg?: string; method?: string; path?: string; status?: number; request_id?: string; error?: string };
const logs: LogRecord[] = [];
let baseUrl: string;
let api: InvitationsClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "invitations-ts-"));
  bin = join(dir, "invitationsd");
  execFileSync("go", ["build", "-o", bin, "./cmd/invitationsd"], { cwd: repo, stdio: "inherit" });
  // One listener, on a free port (metrics share it by default): this runs
  // beside `make run` and any other server on the machine. Change
  // notifications may go to the test's receiver, on 127.0.0.1 over http.
  server = spawn(bin, ["-addr", "127.0.0.1:0", "-db", join(dir, "invitations.db"),
    "-dev-key-file", join(dir, "dev-jwt.key"), "-validate-responses", "-notify-allow-private"],
    { stdio: ["ignore", "pipe", "inherit"] });
  // "close", not "exit": by then every log line has been read.
  exited = new Promise((done) => server.once("close", (code) => done(code)));
  const addr = await new Promise<string>((listening, fail) => {
    const timer = setTimeout(() => fail(new Error("invitationsd did not log its address in 30 s")), 30_000);
    exited.then((code) => fail(new Error(`invitationsd exited (${code}) before listening`)));
    createInterface({ input: server.stdout! }).on("line", (line) => {
      const rec = JSON.parse(line);
      logs.push(rec);
      if (rec.msg === "listening") {
        clearTimeout(timer);
        listening(rec.addr);
      }
    });
  });
  baseUrl = `http://${addr}/v1.0`;
  api = invitationsClient(baseUrl, token(alice, "Invitations.ReadWrite"));
});

after(async () => {
  server?.kill("SIGTERM");
  assert.equal(await exited, 0, "invitationsd exits cleanly on SIGTERM");
  const violations = logs
    .filter((rec) => rec.msg === "response violates openapi.yaml")
    .map((rec) => `${rec.method} ${rec.path} -> ${rec.status} (request-id ${rec.request_id}): ${rec.error?.split("\n")[0]}`);
  assert.deepEqual(violations, [], "the server sent responses that violate openapi.yaml");
  rmSync(dir, { recursive: true, force: true });
});

/** A development token from `invitationsd token`, signed with the server's key. */
function token(sub: string, scp: string): string {
  return execFileSync(bin, ["token", "-key-file", join(dir, "dev-jwt.key"), "-sub", sub, "-tid", tenant, "-scp", scp])
    .toString()
    .trim();
}

test("an invitation's life, through the generated types", async (t) => {
  let created!: Invitation;
  let etag!: string;

  await t.test("create", async () => {
    const { data, error, response } = await api.POST("/linkedIn/invitations", {
      body: {
        "@odata.type": "#microsoft.graph.InvitationV2",
        invitee: "urn:li:email:ada.lovelace@contoso.com",
        message: {
          "@odata.type": "microsoft.graph.InvitationV2Message",
          invitationMessage: { body: "Ada, I would like to add you to my network." },
        },
        trackingId: "wGFHz2GbQrOIzP1r9w8Kxg==",
      },
    });
    assert.equal(error, undefined);
    assert.equal(response.status, 201);
    assert.equal(data?.inviter, alice, "a delegated caller's invitation is from the caller");
    assert.equal(data?.message?.invitationMessage?.body, "Ada, I would like to add you to my network.");
    assert.equal(response.headers.get("Location"), `/v1.0/linkedIn/invitations/${data?.id}`);
    created = data!;
    etag = response.headers.get("ETag")!;
    assert.ok(etag, "a 201 carries an ETag");
  });

  await t.test("get", async () => {
    const { data, response } = await api.GET("/linkedIn/invitations/{id}", { params: { path: { id: created.id } } });
    assert.equal(response.status, 200);
    assert.deepEqual(data, created);
    assert.equal(response.headers.get("ETag"), etag);
  });

  await t.test("list, following @odata.nextLink", async () => {
    const others: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { data, response } = await api.POST("/linkedIn/invitations", { body: { invitee: `urn:li:person:Friend${i}` } });
      assert.equal(response.status, 201);
      others.push(data!.id);
    }
    const seen: string[] = [];
    let n = 0;
    for await (const page of pages(api, { $top: 2, $count: true, $orderby: "created asc" })) {
      n++;
      assert.equal(page["@odata.count"], 5);
      assert.ok(page.value.length <= 2, `page ${n} has ${page.value.length} invitations; $top is 2`);
      seen.push(...page.value.map((inv) => inv.id));
    }
    assert.equal(n, 3, "5 invitations, 2 a page");
    assert.deepEqual(seen, [created.id, ...others], "every invitation once, in the order asked");
  });

  await t.test("update with If-Match", async () => {
    const { data, response } = await api.PATCH("/linkedIn/invitations/{id}", {
      params: { path: { id: created.id }, header: { "If-Match": etag } },
      body: { message: { invitationMessage: { body: "Following up." } }, trackingId: null },
    });
    assert.equal(response.status, 200);
    assert.equal(data?.message?.invitationMessage?.body, "Following up.");
    assert.equal(data?.trackingId, undefined, "null removes the tracking id");
    assert.ok(data!.lastModified! >= created.lastModified!);
    assert.notEqual(response.headers.get("ETag"), etag);

    // The old ETag no longer matches: Graph's 412.
    const stale = await api.PATCH("/linkedIn/invitations/{id}", {
      params: { path: { id: created.id }, header: { "If-Match": etag } },
      body: { trackingId: "late" },
    });
    assert.equal(stale.response.status, 412);
    assert.equal(stale.error?.error.code, "preconditionFailed");
  });

  await t.test("delete", async () => {
    const { response } = await api.DELETE("/linkedIn/invitations/{id}", { params: { path: { id: created.id } } });
    assert.equal(response.status, 204);
  });

  await t.test("Graph errors", async () => {
    // Gone: 404, with the request id in both the header and the body.
    const gone = await api.GET("/linkedIn/invitations/{id}", { params: { path: { id: created.id } } });
    assert.equal(gone.response.status, 404);
    assert.equal(gone.error?.error.code, "itemNotFound");
    assert.equal(gone.error?.error.innerError["request-id"], gone.response.headers.get("request-id"));

    // The same invitation twice: 409.
    const again = await api.POST("/linkedIn/invitations", { body: { invitee: "urn:li:person:Friend0" } });
    assert.equal(again.response.status, 409);
    const err = new GraphError(again.response.status, again.error!);
    assert.equal(err.code, "conflict");
    assert.match(err.message, /^409 conflict: an invitation from urn:li:person:A1iceX9 to urn:li:person:Friend0 already exists$/);

    // A property the contract does not have: 400, naming it.
    const bad = await api.POST("/linkedIn/invitations", { body: { invitee: "bob" } });
    assert.equal(bad.response.status, 400);
    assert.equal(bad.error?.error.code, "badRequest");
    assert.equal(bad.error?.error.target, "invitee");

    // No token: 401 with a Bearer challenge.
    const denied = await invitationsClient(baseUrl).GET("/linkedIn/invitations");
    assert.equal(denied.response.status, 401);
    assert.equal(denied.error?.error.code, "InvalidAuthenticationToken");
    assert.match(denied.response.headers.get("WWW-Authenticate") ?? "", /^Bearer /);
  });

  await t.test("the served contract is the one these types came from", async () => {
    const res = await fetch(new URL("/openapi.json", baseUrl));
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    assert.ok("/linkedIn/invitations/{id}" in doc.paths);
  });
});

test("the invitee accepts an invitation", async () => {
  const created = await api.POST("/linkedIn/invitations", { body: { invitee: bob } });
  assert.equal(created.response.status, 201);
  const invitation = created.data!;
  assert.equal(invitation.state, "pending");
  assert.equal(invitation.closed, undefined, "a pending invitation has no closed time");

  const asBob = invitationsClient(baseUrl, token(bob, "Invitations.ReadWrite"));
  const waiting = await asBob.GET("/linkedIn/invitations", {
    params: { query: { $filter: `invitee eq '${bob}' and state eq 'pending'` } },
  });
  assert.deepEqual(waiting.data?.value.map((inv) => inv.id), [invitation.id], "Bob's pending invitations");

  assert.deepEqual(await closeInvitations(asBob, "accept", [invitation.id]), [
    { invitationId: invitation.id, status: "succeeded" },
  ]);
  const { data: accepted, response } = await api.GET("/linkedIn/invitations/{id}", {
    params: { path: { id: invitation.id } },
  });
  assert.equal(accepted?.state, "accepted");
  assert.equal(accepted?.closed, accepted?.lastModified, "closed when it last changed");
  assert.ok(accepted!.lastModified! > invitation.lastModified!);
  assert.equal(response.headers.get("ETag"), '"2"', "a close is a write: the ETag moves");

  // Accepting again changes nothing; ignoring it now is a conflict; its
  // inviter cannot close it; and it no longer changes.
  assert.deepEqual(await closeInvitations(asBob, "accept", [invitation.id]), [
    { invitationId: invitation.id, status: "succeeded" },
  ]);
  const [ignored] = await closeInvitations(asBob, "ignore", [invitation.id]);
  assert.equal(ignored?.status, "failed");
  assert.equal(ignored?.error?.code, "conflict");
  const [byInviter] = await closeInvitations(api, "accept", [invitation.id]);
  assert.equal(byInviter?.error?.code, "accessDenied");
  const late = await api.PATCH("/linkedIn/invitations/{id}", {
    params: { path: { id: invitation.id } },
    body: { trackingId: "late" },
  });
  assert.equal(late.response.status, 409);
  assert.equal(late.error?.error.target, "state");

  // A request the contract refuses as a whole: a 400 naming the field.
  await assert.rejects(closeInvitations(asBob, "accept", [invitation.id, invitation.id]), (err: GraphError) => {
    assert.equal(err.status, 400);
    assert.equal(err.code, "badRequest");
    return true;
  });

  // Once closed, Alice may invite Bob again.
  const again = await api.POST("/linkedIn/invitations", { body: { invitee: bob } });
  assert.equal(again.response.status, 201);
});

/** Resolves as promise does, or rejects after ms, saying what did not happen. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

test("a subscriber receives a change notification", async () => {
  // A receiver of our own, on a free port: it answers the handshake and
  // records what the service POSTs.
  const received: ChangeNotificationCollection[] = [];
  let arrived!: () => void;
  const first = new Promise<void>((done) => (arrived = done));
  const receiver = createServer(
    notificationListener("s3cret", async (body) => {
      received.push(body);
      arrived();
    }),
  );
  await new Promise<void>((listening) => receiver.listen(0, "127.0.0.1", listening));
  const notificationUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
  try {
    const expirationDateTime = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    const subscribed = await api.POST("/subscriptions", {
      body: {
        changeType: "created,deleted",
        notificationUrl,
        resource: "linkedIn/invitations",
        expirationDateTime,
        clientState: "s3cret",
      },
    });
    assert.equal(subscribed.response.status, 201, JSON.stringify(subscribed.error));
    const sub = subscribed.data!;
    assert.equal(sub.notificationUrl, notificationUrl);
    assert.equal(sub.creatorId, alice);

    const created = await api.POST("/linkedIn/invitations", { body: { invitee: "urn:li:person:Gr4ce" } });
    assert.equal(created.response.status, 201);
    const id = created.data!.id;
    await within(30_000, "the notification of the create", first);

    const notification = received[0]?.value[0];
    assert.ok(notification, "a notification arrived");
    const want: ChangeNotificationCollection = {
      value: [
        {
          id: notification.id,
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: notification.subscriptionExpirationDateTime,
          changeType: "created",
          resource: `linkedIn/invitations/${id}`,
          resourceData: { "@odata.type": "#microsoft.graph.InvitationV2", "@odata.id": `linkedIn/invitations/${id}`, id },
          clientState: "s3cret",
          tenantId: tenant,
        },
      ],
    };
    assert.deepEqual(received, [want], "one POST, with the create's notification");
    assert.equal(Date.parse(notification.subscriptionExpirationDateTime), Date.parse(expirationDateTime));
    assert.ok(notification.id, "each notification has an id, to drop duplicates by");

    const deleted = await api.DELETE("/subscriptions/{id}", { params: { path: { id: sub.id } } });
    assert.equal(deleted.response.status, 204);
  } finally {
    receiver.close();
  }
});
