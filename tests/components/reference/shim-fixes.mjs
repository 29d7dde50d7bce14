// Imported by serve.mjs before the component: works around two gaps in
// preview2-shim's HTTP server (the reference host), so that what it answers can
// be checked against what the component asked for.
//
// 1. The shim writes the response head with Object.fromEntries over the
// response's fields, so of a repeated header (two set-cookie) only the last
// reaches the wire. This prints each response's fields as the component set
// them, one line `response-fields <JSON [[name, value], ...]>` on stdout, for
// the reference test to read repeated headers from.
//
// 2. The shim reads the response body's stream when the guest calls
// `response-outparam.set`, and crashes its process when the guest never took
// the body (`outgoing-response.body`). componentize-js never takes it for a
// response without a body (`new Response(null, { status: 204 })`, redirects).
// The proxy world reads an untaken body as an empty one, as Wasmtime does:
// this takes and finishes it on the guest's behalf. (A guest may also take the
// body after `set`; that would break here, but none of the table's components
// does: componentize-js takes it first whenever there is one.)
import { types } from '@bytecodealliance/preview2-shim/http';

const { OutgoingBody, OutgoingResponse, ResponseOutparam } = types;
const taken = new WeakSet();

const takeBody = OutgoingResponse.prototype.body;
OutgoingResponse.prototype.body = function body() {
  taken.add(this);
  return takeBody.call(this);
};

const setResponse = ResponseOutparam.set;
const text = new TextDecoder();
ResponseOutparam.set = function set(param, response) {
  if (response?.tag === 'ok') {
    const fields = response.val.headers().entries().map(([name, value]) => [name, text.decode(value)]);
    console.log(`response-fields ${JSON.stringify(fields)}`);
  }
  if (response?.tag !== 'ok' || taken.has(response.val)) {
    return setResponse.call(this, param, response);
  }
  const emptyBody = response.val.body();
  setResponse.call(this, param, response);
  OutgoingBody.finish(emptyBody, undefined);
  return undefined;
};
