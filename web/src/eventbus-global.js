// The official Vert.x event-bus bridge client (with sockjs-client), exposed to the page's
// plain-script app.js as window.EventBus. Bundled by scripts/build.mjs; nothing copied by hand.
import EventBus from '@vertx/eventbus-bridge-client.js';

window.EventBus = EventBus;
