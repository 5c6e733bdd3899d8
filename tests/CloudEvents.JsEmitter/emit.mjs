// Sends canonical events to POST /v1/events with the official CloudEvents SDK's HTTP emitter, in its default mode
// (binary: attributes in ce-* headers, the data as the body). One argument, JSON:
//   {"url":"http://127.0.0.1:port/v1/events","apiKey":"…","events":[{id, source, type, subject, time, data}]}
// Prints one JSON line per event: the headers the SDK sent, and the body it got back.
import { CloudEvent, HTTP, emitterFor, httpTransport } from "cloudevents";

const config = JSON.parse(process.argv[2]);
const emit = emitterFor(httpTransport(config.url));

for (const attributes of config.events) {
  const event = new CloudEvent(attributes);
  const sent = HTTP.binary(event).headers;
  const response = await emit(event, { headers: { "X-Api-Key": config.apiKey } });
  // The SDK's transport gives back the body and headers, not the status: the body says what was accepted.
  console.log(JSON.stringify({ sent, body: response.body }));
}
