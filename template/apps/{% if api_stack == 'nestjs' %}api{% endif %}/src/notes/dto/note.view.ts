import type { Note } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

/** A note as the API returns it (and as the cache stores it): dates as ISO 8601 UTC. */
export class NoteView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() body!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static of(note: Note): NoteView {
    return {
      id: note.id,
      title: note.title,
      body: note.body,
      createdAt: note.createdAt.toISOString(),
      updatedAt: note.updatedAt.toISOString(),
    };
  }
}

export class NotePage {
  @ApiProperty({ type: [NoteView] }) items!: NoteView[];
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() total!: number;
}
