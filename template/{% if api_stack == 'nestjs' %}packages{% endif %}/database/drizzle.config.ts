// drizzle-kit reads this to turn changes of src/schema.ts into a new SQL migration:
//   pnpm --filter @app/database generate --name describe_the_change
// It compares the schema with the last snapshot in migrations/meta: no database needed.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './migrations',
});
