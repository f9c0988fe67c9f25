// GraphiQL in headless Chromium, on a network that reaches nothing but loopback: the page
// loads from the service alone, signs in as the demo teacher and runs a query.
//
//   node --experimental-websocket tests/browser/graphiql.mjs http://127.0.0.1:8080 PASSWORD
//
// Chromium is driven over the DevTools protocol, without packages from npm.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [service, password] = process.argv.slice(2);
if (!service || !password) {
  console.error("usage: graphiql.mjs SERVICE_URL DEMO_PASSWORD");
  process.exit(2);
}

// A profile of the run's own, in PROFILE when given (the caller removes it: Chromium's helper
// processes write to it for a while after the browser exits).
const profile = process.env.PROFILE ?? mkdtempSync(join(tmpdir(), "shouhu-chromium-"));
const browser = spawn(process.env.CHROMIUM ?? "chromium", [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Every name but the loopback address fails: nothing beyond the service can be fetched.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  "--remote-debugging-port=0",
  `--user-data-dir=${profile}`,
  "about:blank",
]);

let closing = false;
const finish = (code) => {
  closing = true;
  browser.once("exit", () => process.exit(code));
  browser.kill();
};
const fail = (message) => {
  if (closing) return;
  console.error(`FAIL: ${message}`);
  finish(1);
};
setTimeout(() => fail("timed out after 60 s"), 60_000).unref();

const devtools = await new Promise((resolve) => {
  let seen = "";
  browser.stderr.on("data", (chunk) => {
    seen += chunk;
    const found = seen.match(/DevTools listening on (ws:\/\/\S+)/);
    if (found) resolve(found[1]);
  });
  browser.once("exit", () => fail(`chromium exited: ${seen}`));
});

const socket = new WebSocket(devtools);
await new Promise((resolve) => socket.addEventListener("open", resolve));
let nextId = 0;
const waiting = new Map();
const failedRequests = [];
socket.addEventListener("message", ({ data }) => {
  const message = JSON.parse(data);
  if (message.id !== undefined && waiting.has(message.id)) {
    const { resolve, reject } = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) reject(new Error(JSON.stringify(message.error)));
    else resolve(message.result);
  } else if (message.method === "Network.loadingFailed") {
    failedRequests.push(message.params);
  }
});
const send = (method, params = {}, sessionId) =>
  new Promise((resolve, reject) => {
    const id = ++nextId;
    waiting.set(id, { resolve, reject });
    socket.send(JSON.stringify({ id, method, params, sessionId }));
  });

const { targetId } = await send("Target.createTarget", { url: "about:blank" });
const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
const page = (method, params) => send(method, params, sessionId);
await page("Network.enable");
await page("Runtime.enable");

const evaluate = async (expression) => {
  const { result, exceptionDetails } = await page("Runtime.evaluate", {
    expression,
    returnByValue: true,
    awaitPromise: true,
  });
  if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? expression);
  return result.value;
};
const until = async (what, expression, seconds = 20) => {
  for (let i = 0; i < seconds * 10; i++) {
    const value = await evaluate(expression).catch(() => undefined);
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fail(`${what} did not happen within ${seconds} s`);
};
const open = async () => {
  await page("Page.navigate", { url: `${service}/graphql` });
  await until("GraphiQL rendering", "!!document.querySelector('.graphiql-container .graphiql-query-editor .CodeMirror')");
};
const run = async (query) => {
  await evaluate(`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(${JSON.stringify(query)})`);
  await evaluate("document.querySelector('.graphiql-execute-button').click()");
  const text = await until(
    "an answer",
    "(() => { const r = document.querySelector('.result-window .CodeMirror'); const v = r && r.CodeMirror.getValue(); return v && v.trim().startsWith('{') ? v : ''; })()",
  );
  return JSON.parse(text);
};

await open();
console.log("GraphiQL rendered from the service alone");
const signedIn = await run(
  `mutation { login(input: { username: "demo.teacher", password: ${JSON.stringify(password)} }) { accessToken } }`,
);
const token = signedIn?.data?.login?.accessToken;
if (!token) fail(`no token: ${JSON.stringify(signedIn)}`);
console.log("signed in through GraphiQL");
// The headers pane is kept in local storage: set it, and GraphiQL sends it from its next start.
await evaluate(`localStorage.setItem('graphiql:headers', ${JSON.stringify(JSON.stringify({ Authorization: `Bearer ${token}` }))})`);
await open();
const me = await run("{ me { username role } }");
if (me?.data?.me?.username !== "demo.teacher") fail(`unexpected answer: ${JSON.stringify(me)}`);
console.log(`ran a query as ${me.data.me.username}`);
const outside = failedRequests.filter((r) => !r.canceled);
if (outside.length > 0) fail(`requests failed: ${JSON.stringify(outside)}`);
else finish(0);
