import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { UserView } from '../users/user.view';
import { UsersService } from '../users/users.service';
import type { CredentialsDto, LoginDto } from './dto/credentials.dto';
import type { TokenPairView } from './dto/token-pair.view';
import { PasswordHasher } from './password-hasher';
import { RefreshTokensService } from './refresh-tokens.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly refreshTokens: RefreshTokensService,
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async register(credentials: CredentialsDto): Promise<UserView> {
    const hash = await this.passwords.hash(credentials.password);
    return UserView.of(await this.users.create(credentials.email, hash));
  }

  async login(credentials: LoginDto): Promise<TokenPairView> {
    const user = await this.users.findByEmail(credentials.email);
    // One answer for an unknown e-mail and a wrong password: nothing to enumerate.
    if (!(await this.passwords.verify(user?.passwordHash, credentials.password)) || !user) {
      throw new UnauthorizedException('Invalid e-mail or password');
    }
    if (this.passwords.needsRehash(user.passwordHash)) {
      // Stored with older parameters: store today's while the password is known.
      await this.users.setPasswordHash(user.id, await this.passwords.hash(credentials.password));
    }
    return this.pair(user.id, await this.refreshTokens.issue(user.id));
  }

  async refresh(refreshToken: string): Promise<TokenPairView> {
    const next = await this.refreshTokens.rotate(refreshToken);
    return this.pair(next.userId, next.token);
  }

  async logout(refreshToken: string): Promise<void> {
    await this.refreshTokens.revoke(refreshToken);
  }

  private async pair(userId: string, refreshToken: string): Promise<TokenPairView> {
    return {
      accessToken: await this.jwt.signAsync({ sub: userId }),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.config.JWT_ACCESS_TTL_SECONDS,
    };
  }
}
