CREATE TABLE `invoice_numbers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer,
	`visit_id` integer,
	`invono` text NOT NULL,
	`source` text NOT NULL,
	`fee_import_id` integer,
	`supersedes_id` integer,
	`reason` text,
	`clerk_id` integer,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`visit_id`) REFERENCES `outpatient_visits`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`fee_import_id`) REFERENCES `fee_imports`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`supersedes_id`) REFERENCES `invoice_numbers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `invoice_numbers_invono` ON `invoice_numbers` (`invono`);--> statement-breakpoint
CREATE INDEX `invoice_numbers_admission` ON `invoice_numbers` (`admission_id`);--> statement-breakpoint
CREATE INDEX `invoice_numbers_visit` ON `invoice_numbers` (`visit_id`);