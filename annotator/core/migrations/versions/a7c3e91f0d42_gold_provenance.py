"""gold provenance: the annotators who agreed with the gold

Revision ID: a7c3e91f0d42
Revises: 53c70d55e874
Create Date: 2026-12-02 10:00:00.000000

Self-contained: one column added to ``gold`` (an empty list for the rows already there).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a7c3e91f0d42'
down_revision: str | None = '53c70d55e874'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('gold', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreed', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('gold', schema=None) as batch_op:
        batch_op.drop_column('agreed')
