// A demo start that the installation or the settings prevent (a port in use, no development dependencies):
// one line that says what to change, exit 2, the stack trace only at LOG_LEVEL=debug.
export class DemoRefusal extends Error {}
