"""Media: uploaded videos, PDFs, images and captions, streamed with HTTP Range."""
