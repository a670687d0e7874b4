// The demo data set: real query proteins, and tiny deterministic stand-ins of OpenFold's databases.
export { DEMO_PROTEINS, demoFasta, type DemoProtein } from './sequences.js';
export {
  buildDemoDatabases,
  buildDemoMirror,
  DEMO_DATABASES,
  resolveDemoOptions,
  type BuiltDatabase,
  type DemoDatabase,
  type DemoDataOptions,
  type DemoMirror,
  type DemoMirrorOptions,
} from './build.js';
