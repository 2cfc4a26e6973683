/** A hand-driven clock and timer host for tests: time moves only when a test says so. */
export { ManualTime as FakeTime } from '../../src/runtime/manual-time.js';
