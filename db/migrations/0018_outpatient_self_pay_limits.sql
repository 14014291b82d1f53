CREATE TABLE `outpatient_full_self_pays` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`visit_id` integer NOT NULL,
	`paid_on` text NOT NULL,
	`upload_by` text NOT NULL,
	`claim_by` text NOT NULL,
	`reason` text NOT NULL,
	`medfee_sumamt` text DEFAULT '0.00' NOT NULL,
	`batches` text NOT NULL,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`visit_id`) REFERENCES `outpatient_visits`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_full_self_pays_visit_id_unique` ON `outpatient_full_self_pays` (`visit_id`);--> statement-breakpoint
ALTER TABLE `outpatient_visits` ADD `chronic_limits` text;