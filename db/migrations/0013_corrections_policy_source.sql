CREATE TABLE `fee_withdrawals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`feedetl_sn` text NOT NULL,
	`msgid` text NOT NULL,
	`reason` text NOT NULL,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `fee_withdrawals_admission` ON `fee_withdrawals` (`admission_id`);--> statement-breakpoint
ALTER TABLE `policies` ADD `source` text;--> statement-breakpoint
ALTER TABLE `policies` ADD `source_date` text;--> statement-breakpoint
ALTER TABLE `policies` ADD `imported_by` integer REFERENCES clerks(id);