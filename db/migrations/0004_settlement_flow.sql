CREATE TABLE `slip_prints` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`settlement_id` integer NOT NULL,
	`reprint` integer NOT NULL,
	`clerk_id` integer,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`settlement_id`) REFERENCES `settlements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `slip_prints_settlement` ON `slip_prints` (`settlement_id`);--> statement-breakpoint
ALTER TABLE `agency_settlement_results` ADD `resolution_note` text;--> statement-breakpoint
ALTER TABLE `fee_lines` ADD `bilg_dept_codg` text;--> statement-breakpoint
ALTER TABLE `fee_lines` ADD `bilg_dr_codg` text;--> statement-breakpoint
ALTER TABLE `settlements` ADD `settle_input` text;