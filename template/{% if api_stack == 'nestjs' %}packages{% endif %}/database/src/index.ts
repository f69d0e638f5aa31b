export * from './schema';
export { migrationsFolder, runMigrations } from './migrations';
