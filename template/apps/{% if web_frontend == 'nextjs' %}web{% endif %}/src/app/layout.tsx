import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import { browserErrorReports } from '../lib/error-reports';
import { REQUEST_ID_HEADER } from '../lib/request-id';
import './globals.css';

export default async function RootLayout({ children }: Readonly<{ children: ReactNode }>) {
  // Read per request (headers() makes every page dynamic, as its nonce needs anyway): the
  // browser's error report settings, if any, are this server's and name this page view.
  const requestId = (await headers()).get(REQUEST_ID_HEADER) ?? undefined;
  const errorReports = browserErrorReports(process.env, requestId);
  return (
    <html lang="en">
      <head>
        {errorReports && <meta name={errorReports.name} content={errorReports.content} />}
      </head>
      <body>{children}</body>
    </html>
  );
}
