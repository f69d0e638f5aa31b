import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { connection } from 'next/server';
import { describeApiStatus, fetchApiStatus } from '../lib/api-status';
import { timedApiCall } from '../lib/metrics';
import { REQUEST_ID_HEADER } from '../lib/request-id';
import { apiUrl, appName } from '../lib/settings';
import styles from './page.module.css';

export async function generateMetadata(): Promise<Metadata> {
  await connection();
  return { title: appName(process.env) };
}

export default async function HomePage() {
  // Rendered at request time, never at build time: the name and the API's address are the
  // running server's, and the API's status is as of now.
  await connection();
  const requestId = (await headers()).get(REQUEST_ID_HEADER) ?? undefined;
  const status = await timedApiCall(() => fetchApiStatus(apiUrl(process.env), { requestId }));
  return (
    <main className={styles.main}>
      <h1>{appName(process.env)}</h1>
      <p>
        API status:{' '}
        <strong className={styles.status} data-state={status.state}>
          {describeApiStatus(status)}
        </strong>
      </p>
    </main>
  );
}
