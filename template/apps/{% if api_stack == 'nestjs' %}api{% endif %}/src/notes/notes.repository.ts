import { notes } from '@app/database';
import { Inject, Injectable } from '@nestjs/common';
import { and, count, desc, eq, isNull, type SQL } from 'drizzle-orm';

import { DATABASE, type Database } from '../database/database.module';
import type { CreateNoteDto, UpdateNoteDto } from './dto/note-input.dto';
import { NoteView, type NotePage } from './dto/note.view';

/** Who owns a note: a user id, or null in a project without auth. */
export type Owner = string | null;

const ownedBy = (owner: Owner): SQL =>
  owner === null ? isNull(notes.ownerId) : eq(notes.ownerId, owner);

/** SQL for notes; every query is scoped to one owner, so nobody reaches another's notes. */
@Injectable()
export class NotesRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async page(owner: Owner, page: number, pageSize: number): Promise<NotePage> {
    const [rows, [totals]] = await Promise.all([
      this.db
        .select()
        .from(notes)
        .where(ownedBy(owner))
        .orderBy(desc(notes.createdAt), desc(notes.id))
        .limit(pageSize)
        .offset((page - 1) * pageSize),
      this.db.select({ total: count() }).from(notes).where(ownedBy(owner)),
    ]);
    return {
      items: rows.map((row) => NoteView.of(row)),
      page,
      pageSize,
      total: totals?.total ?? 0,
    };
  }

  async find(owner: Owner, id: string): Promise<NoteView | undefined> {
    const [row] = await this.db
      .select()
      .from(notes)
      .where(and(eq(notes.id, id), ownedBy(owner)));
    return row && NoteView.of(row);
  }

  async create(owner: Owner, input: CreateNoteDto): Promise<NoteView> {
    const [row] = await this.db
      .insert(notes)
      .values({ ownerId: owner, title: input.title, body: input.body })
      .returning();
    if (!row) throw new Error('INSERT returned no row');
    return NoteView.of(row);
  }

  async update(owner: Owner, id: string, input: UpdateNoteDto): Promise<NoteView | undefined> {
    const [row] = await this.db
      .update(notes)
      .set({ title: input.title, body: input.body, updatedAt: new Date() })
      .where(and(eq(notes.id, id), ownedBy(owner)))
      .returning();
    return row && NoteView.of(row);
  }

  async delete(owner: Owner, id: string): Promise<boolean> {
    const deleted = await this.db
      .delete(notes)
      .where(and(eq(notes.id, id), ownedBy(owner)))
      .returning({ id: notes.id });
    return deleted.length > 0;
  }
}
