CREATE TABLE `outpatient_deferrals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`otp_settlement_id` integer NOT NULL,
	`reason` text NOT NULL,
	`requested_on` text NOT NULL,
	`approved` integer,
	`decided_at` text,
	`msgid` text NOT NULL,
	`clerk_id` integer,
	`decision_note` text,
	FOREIGN KEY (`otp_settlement_id`) REFERENCES `outpatient_settlements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_deferrals_msgid_unique` ON `outpatient_deferrals` (`msgid`);--> statement-breakpoint
CREATE INDEX `outpatient_deferrals_settlement` ON `outpatient_deferrals` (`otp_settlement_id`);