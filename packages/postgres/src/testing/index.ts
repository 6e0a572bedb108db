export { openTestDatabase, type SkipTests, type TestDatabase } from './open-test-database.js';
