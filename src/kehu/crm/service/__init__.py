"""Service desk: tickets (complaints, disputes, defects, order issues, inquiries), their
event log and technician visits."""
