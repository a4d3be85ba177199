// The metrics stack behind one entry point: src/app.ts imports this module only when SSO_METRICS_PORT is
// set, so a service without metrics loads neither prom-client nor these modules (bench/README.md, cold
// start). In the compiled server it is a chunk of its own.
export { listenForMetrics, type MetricsListener } from './listener.js';
export { createMetrics, type Metrics } from './registry.js';
export { countingActivityStore, signInCounter } from './sign-ins.js';
export { countingFailures, timeMediaCall, timingSteps } from './timing.js';
