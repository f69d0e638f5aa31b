export * from './schema';
export { migrationsFolder, runMigrations } from './migrations';
export { SecretFileError, withSecretFiles } from './secret-files';
