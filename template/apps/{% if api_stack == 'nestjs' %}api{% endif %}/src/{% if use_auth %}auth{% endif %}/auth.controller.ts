import { Body, Controller, HttpCode, HttpStatus, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { RateLimitBucket } from '../throttling/rate-limit-bucket.decorator';
import { UserView } from '../users/user.view';
import { AuthService } from './auth.service';
import { CredentialsDto, LoginDto } from './dto/credentials.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { TokenPairView } from './dto/token-pair.view';
import { LoginBackoffInterceptor } from './login-backoff.interceptor';

@ApiTags('auth')
@ApiTooManyRequestsResponse({ description: 'Rate limit or login backoff reached' })
@RateLimitBucket('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiCreatedResponse({ type: UserView })
  @ApiConflictResponse({ description: 'E-mail already registered' })
  register(@Body() credentials: CredentialsDto): Promise<UserView> {
    return this.auth.register(credentials);
  }

  @Post('login')
  @UseInterceptors(LoginBackoffInterceptor)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TokenPairView })
  @ApiUnauthorizedResponse()
  login(@Body() credentials: LoginDto): Promise<TokenPairView> {
    return this.auth.login(credentials);
  }

  @Post('refresh')
  @RateLimitBucket('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TokenPairView })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired, revoked or reused token' })
  refresh(@Body() body: RefreshTokenDto): Promise<TokenPairView> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @RateLimitBucket('refresh')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: "The token's family is revoked" })
  logout(@Body() body: RefreshTokenDto): Promise<void> {
    return this.auth.logout(body.refreshToken);
  }
}
