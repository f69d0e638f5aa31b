// The smallest NestJS app on Fastify: one JSON route, no middleware, no logging.
// Plain JavaScript (decorators applied by hand), so the baseline needs no build step.
'use strict';
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

class HelloController {
  health() {
    return { status: 'ok' };
  }
}
Controller()(HelloController);
Get('health')(
  HelloController.prototype,
  'health',
  Object.getOwnPropertyDescriptor(HelloController.prototype, 'health'),
);

class AppModule {}
Module({ controllers: [HelloController] })(AppModule);

async function main() {
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
  app.setGlobalPrefix('/api/v1');
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
