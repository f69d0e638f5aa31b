import { createSecretKey } from 'node:crypto';

import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginBackoff } from './login-backoff';
import { PasswordHasher } from './password-hasher';
import { RefreshTokenPurge } from './refresh-token-purge';
import { RefreshTokensService } from './refresh-tokens.service';

@Module({
  imports: [
    // Global: JwtAuthGuard (which needs JwtService) guards routes of other modules.
    JwtModule.registerAsync({
      global: true,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // A KeyObject, made once: given a string, jsonwebtoken makes one on every sign and
        // verify, after first trying (and failing) to read the string as a public key.
        secret: createSecretKey(config.JWT_ACCESS_SECRET, 'utf8'),
        signOptions: { algorithm: 'HS256', expiresIn: config.JWT_ACCESS_TTL_SECONDS },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
    UsersModule,
  ],
  controllers: [AuthController],
  providers: [AuthService, PasswordHasher, RefreshTokensService, RefreshTokenPurge, LoginBackoff],
})
export class AuthModule {}
