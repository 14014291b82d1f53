CREATE TABLE `outpatient_batch_withdrawals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`visit_id` integer NOT NULL,
	`chrg_bchno` text NOT NULL,
	`msgid` text NOT NULL,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`visit_id`) REFERENCES `outpatient_visits`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_batch_withdrawals_msgid_unique` ON `outpatient_batch_withdrawals` (`msgid`);--> statement-breakpoint
CREATE INDEX `outpatient_batch_withdrawals_visit` ON `outpatient_batch_withdrawals` (`visit_id`);--> statement-breakpoint
CREATE TABLE `outpatient_fee_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`visit_id` integer NOT NULL,
	`chrg_bchno` text NOT NULL,
	`feedetl_sn` text NOT NULL,
	`fee_ocur_time` text NOT NULL,
	`med_list_codg` text NOT NULL,
	`medins_list_codg` text NOT NULL,
	`name` text NOT NULL,
	`cnt` text NOT NULL,
	`pric` text NOT NULL,
	`det_item_fee_sumamt` text DEFAULT '0.00' NOT NULL,
	`self_pay` integer DEFAULT false NOT NULL,
	`bilg_dept_codg` text,
	`bilg_dept_name` text,
	`bilg_dr_codg` text,
	`bilg_dr_name` text,
	`upload_msgid` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`visit_id`) REFERENCES `outpatient_visits`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_fee_lines_batch_sn` ON `outpatient_fee_lines` (`visit_id`,`chrg_bchno`,`feedetl_sn`);--> statement-breakpoint
CREATE TABLE `outpatient_fee_splits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`visit_id` integer NOT NULL,
	`feedetl_sn` text NOT NULL,
	`msgid` text NOT NULL,
	`inscp_scp_amt` text,
	`preselfpay_amt` text,
	`overlmt_amt` text,
	`fulamt_ownpay_amt` text,
	`chrgitm_lv` text,
	`memo` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`visit_id`) REFERENCES `outpatient_visits`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outpatient_fee_splits_visit` ON `outpatient_fee_splits` (`visit_id`,`msgid`);--> statement-breakpoint
CREATE TABLE `outpatient_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`visit_id` integer NOT NULL,
	`infno` text NOT NULL,
	`msgid` text NOT NULL,
	`mode` text NOT NULL,
	`batches` text DEFAULT '[]' NOT NULL,
	`estimate` text DEFAULT '{}' NOT NULL,
	`refunds` integer,
	`reason` text,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`visit_id`) REFERENCES `outpatient_visits`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`refunds`) REFERENCES `outpatient_settlements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_requests_msgid_unique` ON `outpatient_requests` (`msgid`);--> statement-breakpoint
CREATE INDEX `outpatient_requests_visit` ON `outpatient_requests` (`visit_id`);--> statement-breakpoint
CREATE TABLE `outpatient_settlements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`visit_id` integer NOT NULL,
	`request_id` integer NOT NULL,
	`kind` text NOT NULL,
	`refunds` integer,
	`setl_id` text,
	`setl_time` text NOT NULL,
	`settled_on` text NOT NULL,
	`insutype` text NOT NULL,
	`medfee_sumamt` text DEFAULT '0.00' NOT NULL,
	`inscp_scp_amt` text DEFAULT '0.00' NOT NULL,
	`preselfpay_amt` text DEFAULT '0.00' NOT NULL,
	`overlmt_selfpay` text DEFAULT '0.00' NOT NULL,
	`fulamt_ownpay_amt` text DEFAULT '0.00' NOT NULL,
	`act_pay_dedc` text DEFAULT '0.00' NOT NULL,
	`hifp_pay` text DEFAULT '0.00' NOT NULL,
	`fund_pay_sumamt` text DEFAULT '0.00' NOT NULL,
	`psn_part_amt` text DEFAULT '0.00' NOT NULL,
	`acct_pay` text DEFAULT '0.00' NOT NULL,
	`psn_cash_pay` text DEFAULT '0.00' NOT NULL,
	`funds` text NOT NULL,
	`derived` text DEFAULT '[]' NOT NULL,
	`answer` text NOT NULL,
	`msgid` text NOT NULL,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`visit_id`) REFERENCES `outpatient_visits`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`request_id`) REFERENCES `outpatient_requests`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`refunds`) REFERENCES `outpatient_settlements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_settlements_request_id_unique` ON `outpatient_settlements` (`request_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_settlements_msgid_unique` ON `outpatient_settlements` (`msgid`);--> statement-breakpoint
CREATE INDEX `outpatient_settlements_visit` ON `outpatient_settlements` (`visit_id`);--> statement-breakpoint
CREATE TABLE `outpatient_visits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`otp_no` text NOT NULL,
	`insutype` text NOT NULL,
	`cert_type` text NOT NULL,
	`cert_no` text NOT NULL,
	`med_type` text NOT NULL,
	`emergency` integer DEFAULT false NOT NULL,
	`dise_codg` text,
	`dise_name` text,
	`dept_code` text NOT NULL,
	`dept_name` text NOT NULL,
	`doctor_code` text NOT NULL,
	`doctor_name` text NOT NULL,
	`begntime` text NOT NULL,
	`diagnoses` text NOT NULL,
	`mdtrt_id` text,
	`register_msgid` text NOT NULL,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_visits_otp_no_unique` ON `outpatient_visits` (`otp_no`);--> statement-breakpoint
CREATE INDEX `outpatient_visits_person` ON `outpatient_visits` (`person_id`);