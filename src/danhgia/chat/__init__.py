"""What the bot says, independent of the messaging platform: panels (text, choices, attachments), typed callback
data, and the formatting every panel shares. Nothing here imports a platform's library; `handlers/` renders a
panel for Telegram, and a platform without buttons can render the same panel as numbered text."""
