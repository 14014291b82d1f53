CREATE TABLE `outbox_reversals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`item_msgid` text NOT NULL,
	`infno` text NOT NULL,
	`omsgid` text NOT NULL,
	`reversal_msgid` text NOT NULL,
	`outcome` text NOT NULL,
	`reason` text NOT NULL,
	`err_msg` text,
	`next_msgid` text,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_reversals_reversal_msgid_unique` ON `outbox_reversals` (`reversal_msgid`);--> statement-breakpoint
CREATE INDEX `outbox_reversals_item` ON `outbox_reversals` (`item_msgid`);--> statement-breakpoint
ALTER TABLE `outbox` ADD `wire_msgid` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `reversal` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `renew_msgid` integer DEFAULT 0 NOT NULL;