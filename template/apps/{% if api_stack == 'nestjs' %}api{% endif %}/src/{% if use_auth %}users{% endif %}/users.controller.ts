import { Controller, Get, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';

import { CurrentUser, type AuthenticatedUser } from '../auth/current-user.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { UserView } from './user.view';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOkResponse({ type: UserView })
  @ApiUnauthorizedResponse()
  async me(@CurrentUser() current: AuthenticatedUser): Promise<UserView> {
    const user = await this.users.findById(current.id);
    // A valid token of a user deleted since: the token is no longer good.
    if (!user) throw new UnauthorizedException('Unknown user');
    return UserView.of(user);
  }
}
